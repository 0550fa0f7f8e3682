package org.piscan.sample.consentgated;

import android.app.Activity;
import android.app.AlertDialog;
import android.content.DialogInterface;
import android.os.Bundle;
import android.widget.TextView;

/**
 * The launcher screen. On first start it asks for consent; the SDKs start
 * only from the "agree" button (a listener pi-scan does not follow: it runs
 * after the user's choice) or, on later starts, after the stored flag is read.
 */
public class MainActivity extends Activity {
    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        setContentView(new TextView(this));
        if (ConsentStore.isAgreed(this)) {
            ((GatedApp) getApplication()).startSdks();
            return;
        }
        new AlertDialog.Builder(this)
                .setTitle(R.string.consent_title)
                .setMessage(R.string.consent_body)
                .setPositiveButton(R.string.consent_agree, new DialogInterface.OnClickListener() {
                    @Override
                    public void onClick(DialogInterface dialog, int which) {
                        ConsentStore.agree(MainActivity.this);
                        ((GatedApp) getApplication()).startSdks();
                    }
                })
                .setNegativeButton(R.string.consent_disagree, new DialogInterface.OnClickListener() {
                    @Override
                    public void onClick(DialogInterface dialog, int which) {
                        finish();
                    }
                })
                .setCancelable(false)
                .show();
    }
}

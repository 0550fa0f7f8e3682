package dsp;

import android.app.Activity;
import android.app.AlertDialog;
import android.os.Bundle;
import android.view.View;

/**
 * The launcher: shows the consent dialog; its positive button starts location (AgreeListener),
 * and so does the layout's button (android:onClick="startLocation").  Neither runs before the
 * user acts.
 */
public class MainActivity extends Activity {
    @Override
    protected void onCreate(Bundle state) {
        super.onCreate(state);
        setContentView(0x7f030000);
        new AlertDialog.Builder(this)
                .setMessage("同意隐私政策")
                .setPositiveButton("同意", new AgreeListener(this))
                .show();
    }

    public void startLocation(View view) {
        Locator.locate(this);
    }
}

package org.piscan.sample.split;

import android.app.Activity;
import android.os.Bundle;
import android.widget.TextView;

/** The launcher screen of the base APK. */
public class ReaderActivity extends Activity {
    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        TextView view = new TextView(this);
        view.setText(R.string.library);
        setContentView(view);
    }
}

package org.piscan.sample.sdkcollector;

import android.app.Activity;
import android.os.Bundle;
import android.widget.TextView;

/** The launcher screen: a single headline. */
public class MainActivity extends Activity {
    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        TextView view = new TextView(this);
        view.setText(R.string.headline);
        setContentView(view);
    }
}

package org.piscan.sample.providerinit;

import android.app.Activity;
import android.os.Bundle;
import android.widget.TextView;

/** The launcher screen: a fixed forecast. */
public class MainActivity extends Activity {
    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        TextView view = new TextView(this);
        view.setText("21°C");
        setContentView(view);
    }
}

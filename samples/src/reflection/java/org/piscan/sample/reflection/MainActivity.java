package org.piscan.sample.reflection;

import android.app.Activity;
import android.os.Bundle;
import android.widget.TextView;

/** The launcher screen: one card. */
public class MainActivity extends Activity {
    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        TextView view = new TextView(this);
        view.setText("apple = 苹果");
        setContentView(view);
    }
}

package org.piscan.sample.multidex;

import android.app.Activity;
import android.os.Bundle;
import android.widget.TextView;

import org.piscan.sample.multidex.tracking.DeviceInfo;

/**
 * The launcher screen (classes.dex). It calls into DeviceInfo, which the
 * build puts in classes2.dex.
 */
public class ShopActivity extends Activity {
    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        TextView view = new TextView(this);
        view.setText(R.string.welcome);
        setContentView(view);
        new DeviceInfo(this).collect();
    }
}

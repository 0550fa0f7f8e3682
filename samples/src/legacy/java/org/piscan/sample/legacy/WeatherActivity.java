package org.piscan.sample.legacy;

import android.app.Activity;
import android.content.Context;
import android.os.Bundle;
import android.telephony.TelephonyManager;
import android.util.Log;
import android.widget.TextView;

/** The launcher screen. Reads the IMEI on first show, with no consent. */
public class WeatherActivity extends Activity {
    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        TelephonyManager tm = (TelephonyManager) getSystemService(Context.TELEPHONY_SERVICE);
        String imei = tm.getDeviceId();
        Log.d("OldWeather", "device " + imei);
        TextView view = new TextView(this);
        view.setText(R.string.forecast);
        setContentView(view);
    }
}

package org.piscan.sample.overperm;

import android.content.BroadcastReceiver;
import android.content.Context;
import android.content.Intent;
import android.util.Log;

/** Woken at boot (implicitly exported); it only logs. */
public class BootReceiver extends BroadcastReceiver {
    @Override
    public void onReceive(Context context, Intent intent) {
        Log.i("BrightTorch", "boot: " + intent.getAction());
    }
}

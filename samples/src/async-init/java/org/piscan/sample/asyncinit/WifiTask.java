package org.piscan.sample.asyncinit;

import android.content.Context;

/** Handed to an Executor at start-up: reads the Wi-Fi MAC address. */
final class WifiTask implements Runnable {
    private final Context context;

    WifiTask(Context context) {
        this.context = context;
    }

    @Override
    public void run() {
        Sensors.wifiMac(context);
    }
}

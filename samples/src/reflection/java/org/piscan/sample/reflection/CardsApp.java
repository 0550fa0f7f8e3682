package org.piscan.sample.reflection;

import android.app.Application;

/** Reads the device ID at start-up, hidden behind reflection. */
public class CardsApp extends Application {
    @Override
    public void onCreate() {
        super.onCreate();
        DeviceIds.load(this);
        Probe.textLength("cards");
    }
}

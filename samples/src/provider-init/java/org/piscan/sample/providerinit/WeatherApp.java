package org.piscan.sample.providerinit;

import android.app.Application;

/** Application class: nothing sensitive. */
public class WeatherApp extends Application {
    @Override
    public void onCreate() {
        super.onCreate();
    }
}

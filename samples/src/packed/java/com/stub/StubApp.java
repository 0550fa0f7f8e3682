package com.stub;

import android.app.Application;
import android.content.Context;

/**
 * STAND-IN written for pi-scan's samples; NOT 360's code. It has the class
 * name of the 360 Jiagu stub Application, which loads the packer's native
 * library; in a really packed app that library decrypts the app's code.
 * Here the library is an inert placeholder and nothing is decrypted.
 */
public final class StubApp extends Application {
    @Override
    protected void attachBaseContext(Context base) {
        super.attachBaseContext(base);
        System.loadLibrary("jiagu");
    }
}

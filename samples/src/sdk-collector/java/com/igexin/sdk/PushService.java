package com.igexin.sdk;

import android.app.Service;
import android.content.Intent;
import android.os.IBinder;

/** STAND-IN for Getui's service (pi-scan sample; NOT Getui's code). Does nothing. */
public class PushService extends Service {
    @Override
    public IBinder onBind(Intent intent) {
        return null;
    }
}

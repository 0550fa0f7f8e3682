package com.tencent.mid.core;

import android.content.Context;
import android.telephony.TelephonyManager;

/** STAND-IN written for pi-scan's samples; NOT Tencent's code. Reads the IMEI. */
public final class MidStore {
    static String imei;

    private MidStore() {
    }

    public static void load(Context context) {
        TelephonyManager tm = (TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE);
        imei = tm.getDeviceId();
    }
}

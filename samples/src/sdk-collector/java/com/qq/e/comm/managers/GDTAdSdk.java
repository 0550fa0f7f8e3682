package com.qq.e.comm.managers;

import android.content.Context;
import android.os.Build;
import android.telephony.TelephonyManager;

/**
 * STAND-IN written for pi-scan's samples; NOT Tencent's code. Same package,
 * class and init signature as the real GDT ad SDK; reads the hardware
 * serial (the Build.SERIAL field) and the IMSI.
 */
public final class GDTAdSdk {
    static String serial;
    static String imsi;

    private GDTAdSdk() {
    }

    public static void init(Context context, String appId) {
        serial = Build.SERIAL;
        TelephonyManager tm = (TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE);
        imsi = tm.getSubscriberId();
    }
}

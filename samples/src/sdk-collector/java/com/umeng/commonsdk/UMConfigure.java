package com.umeng.commonsdk;

import android.content.Context;
import android.provider.Settings;
import android.telephony.TelephonyManager;

/**
 * STAND-IN written for pi-scan's samples; NOT Umeng's code. It only has the
 * same package, class and method signature as the real Umeng init call, and
 * makes the same kind of platform calls a scanner should flag.
 */
public final class UMConfigure {
    public static final int DEVICE_TYPE_PHONE = 1;
    public static final int DEVICE_TYPE_BOX = 2;

    static String deviceId;
    static String androidId;

    private UMConfigure() {
    }

    public static void init(Context context, String appkey, String channel, int deviceType,
            String pushSecret) {
        TelephonyManager tm = (TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE);
        deviceId = tm.getDeviceId();
        androidId = Settings.Secure.getString(context.getContentResolver(), Settings.Secure.ANDROID_ID);
    }
}

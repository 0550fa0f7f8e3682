package com.umeng.commonsdk;

import android.content.Context;
import android.provider.Settings;

/**
 * STAND-IN written for pi-scan's samples; NOT Umeng's code. Same package,
 * class and method signatures as the real SDK's documented compliant start:
 * preInit() before consent collects nothing, init() reads the Android ID.
 */
public final class UMConfigure {
    public static final int DEVICE_TYPE_PHONE = 1;

    static String appkey;
    static String androidId;

    private UMConfigure() {
    }

    public static void preInit(Context context, String key, String channel) {
        appkey = key;
    }

    public static void init(Context context, String key, String channel, int deviceType,
            String pushSecret) {
        androidId = Settings.Secure.getString(context.getContentResolver(),
                Settings.Secure.ANDROID_ID);
    }
}

package org.piscan.sample.reflection;

import android.content.Context;
import java.lang.reflect.Method;

/** TelephonyManager.getDeviceId() by reflection, with constant names. */
final class DeviceIds {
    static String imei;

    private DeviceIds() {
    }

    static void load(Context context) {
        try {
            Object telephony = context.getSystemService(Context.TELEPHONY_SERVICE);
            Class<?> type = Class.forName("android.telephony.TelephonyManager");
            Method method = type.getMethod("getDeviceId");
            imei = (String) method.invoke(telephony);
        } catch (Exception e) {
            imei = null;
        }
    }
}

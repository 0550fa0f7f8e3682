package cg;

import android.content.Context;

public final class Reflect {
    private Reflect() {
    }

    static Object imei(Context context) {
        try {
            Object tm = context.getSystemService(Context.TELEPHONY_SERVICE);
            return Class.forName("android.telephony.TelephonyManager").getMethod("getImei").invoke(tm);
        } catch (Exception e) {
            return null;
        }
    }
}

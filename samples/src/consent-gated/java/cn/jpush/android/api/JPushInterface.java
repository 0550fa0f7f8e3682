package cn.jpush.android.api;

import android.content.Context;
import android.location.Location;
import android.location.LocationManager;

/**
 * STAND-IN written for pi-scan's samples; NOT JPush's code. Same package,
 * class and init signature as the real SDK; reads the last known location.
 */
public final class JPushInterface {
    static Location lastLocation;

    private JPushInterface() {
    }

    public static void init(Context context) {
        LocationManager lm = (LocationManager) context.getSystemService(Context.LOCATION_SERVICE);
        lastLocation = lm.getLastKnownLocation("network");
    }
}

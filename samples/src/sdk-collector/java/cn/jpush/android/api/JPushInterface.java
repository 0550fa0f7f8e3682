package cn.jpush.android.api;

import android.content.Context;
import android.location.Location;
import android.location.LocationManager;
import android.net.wifi.WifiInfo;
import android.net.wifi.WifiManager;

/**
 * STAND-IN written for pi-scan's samples; NOT JPush's code. Same package,
 * class and init signature as the real SDK; reads the last known GPS
 * location and the Wi-Fi MAC address.
 */
public final class JPushInterface {
    static Location lastLocation;
    static String macAddress;

    private JPushInterface() {
    }

    public static void init(Context context) {
        LocationManager lm = (LocationManager) context.getSystemService(Context.LOCATION_SERVICE);
        lastLocation = lm.getLastKnownLocation("gps");
        WifiManager wifi = (WifiManager) context.getApplicationContext()
                .getSystemService(Context.WIFI_SERVICE);
        WifiInfo info = wifi.getConnectionInfo();
        macAddress = info.getMacAddress();
    }
}

package org.piscan.sample.asyncinit;

import android.content.Context;
import android.location.Location;
import android.location.LocationManager;
import android.net.wifi.WifiManager;

/** The reads themselves. */
final class Sensors {
    static Location location;
    static String mac;

    private Sensors() {
    }

    static void lastLocation(Context context) {
        LocationManager lm = (LocationManager) context.getSystemService(Context.LOCATION_SERVICE);
        location = lm.getLastKnownLocation("gps");
    }

    static void wifiMac(Context context) {
        WifiManager wifi = (WifiManager) context.getSystemService(Context.WIFI_SERVICE);
        mac = wifi.getConnectionInfo().getMacAddress();
    }
}

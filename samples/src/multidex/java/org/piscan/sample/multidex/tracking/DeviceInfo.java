package org.piscan.sample.multidex.tracking;

import android.content.Context;
import android.net.wifi.ScanResult;
import android.net.wifi.WifiManager;
import android.telephony.TelephonyManager;

import java.util.List;

/**
 * Lives in classes2.dex only (build.py splits the DEX by package). Reads the
 * IMEI and the nearby Wi-Fi networks.
 */
public final class DeviceInfo {
    private final Context context;
    String imei;
    List<ScanResult> networks;

    public DeviceInfo(Context context) {
        this.context = context;
    }

    public void collect() {
        TelephonyManager tm = (TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE);
        imei = tm.getImei();
        WifiManager wifi = (WifiManager) context.getApplicationContext()
                .getSystemService(Context.WIFI_SERVICE);
        networks = wifi.getScanResults();
    }
}

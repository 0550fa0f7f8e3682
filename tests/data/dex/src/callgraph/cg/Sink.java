package cg;

import android.content.Context;
import android.location.LocationManager;
import android.telephony.TelephonyManager;

/** Each method is reached one way only (tests/test_callgraph.py checks which). */
public final class Sink {
    static Context context;
    static Object last;

    private Sink() {
    }

    static void fromBase() {
        last = "base";
    }

    static void fromImpl1() {
        last = ((TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE)).getDeviceId();
    }

    static void fromImpl2() {
        last = "impl2";
    }

    static void fromService() {
        last = "service";
    }

    static void fromThread() {
        last = ((LocationManager) context.getSystemService(Context.LOCATION_SERVICE)).getLastKnownLocation("gps");
    }

    static void fromHome() {
        last = "home";
    }

    static void fromSettings() {
        last = "settings";
    }

    static void fromLambda() {
        last = "lambda";
    }

    static String fromCallable() {
        return "callable";
    }

    static void fromWorker() {
        last = "worker";
    }

    static void fromBlock() {
        last = "block";
    }

    static int afterSwitch() {
        return 1;
    }

    static void deepest() {
        last = "deepest";
    }

    static void gated() {
        last = ((TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE)).getSubscriberId();
    }

    static void unreached() {
        last = "unreached";
    }

    static void fromProvider() {
        last = "provider";
    }

    static void fromInit() {
        last = "init";
    }

    static void fromReceiver() {
        last = "receiver";
    }

    static void fromMain() {
        last = "main";
    }
}

package android.telephony;

/**
 * Compile-time stub of the framework class (never dexed into a sample).
 * getImei() is API 26 and missing from the API 17 android.jar; the other
 * methods are declared again because this stub hides the android.jar class.
 */
public class TelephonyManager {
    TelephonyManager() {
        throw new RuntimeException("Stub!");
    }

    /** API 1, deprecated in API 26. */
    public String getDeviceId() {
        throw new RuntimeException("Stub!");
    }

    /** API 26. */
    public String getImei() {
        throw new RuntimeException("Stub!");
    }

    /** API 1. */
    public String getSubscriberId() {
        throw new RuntimeException("Stub!");
    }

    /** API 1. */
    public String getNetworkOperatorName() {
        throw new RuntimeException("Stub!");
    }
}

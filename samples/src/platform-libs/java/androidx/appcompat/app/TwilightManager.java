package androidx.appcompat.app;

import android.content.Context;
import android.location.Location;
import android.location.LocationManager;
import androidx.core.content.PermissionChecker;

/**
 * Stand-in for AppCompat's TwilightManager (pi-scan's own code, not AndroidX's): it reads the
 * last known location only when the app holds a location permission, to tell day from night.
 */
public final class TwilightManager {
    private static TwilightManager instance;
    private final Context context;
    private final LocationManager locationManager;

    private TwilightManager(Context context) {
        this.context = context;
        this.locationManager = (LocationManager) context.getSystemService(Context.LOCATION_SERVICE);
    }

    public static TwilightManager getInstance(Context context) {
        if (instance == null) {
            instance = new TwilightManager(context.getApplicationContext());
        }
        return instance;
    }

    public boolean isNight() {
        Location location = getLastKnownLocation();
        if (location == null) {
            int hour = java.util.Calendar.getInstance().get(java.util.Calendar.HOUR_OF_DAY);
            return hour < 6 || hour >= 22;
        }
        return location.getLatitude() > 60;
    }

    private Location getLastKnownLocation() {
        Location coarse = null;
        Location fine = null;
        if (PermissionChecker.checkSelfPermission(context, "android.permission.ACCESS_COARSE_LOCATION")
                == PermissionChecker.PERMISSION_GRANTED) {
            coarse = getLastKnownLocationForProvider(LocationManager.NETWORK_PROVIDER);
        }
        if (PermissionChecker.checkSelfPermission(context, "android.permission.ACCESS_FINE_LOCATION")
                == PermissionChecker.PERMISSION_GRANTED) {
            fine = getLastKnownLocationForProvider(LocationManager.GPS_PROVIDER);
        }
        return fine != null ? fine : coarse;
    }

    private Location getLastKnownLocationForProvider(String provider) {
        try {
            if (locationManager.isProviderEnabled(provider)) {
                return locationManager.getLastKnownLocation(provider);
            }
        } catch (Exception e) {
            return null;
        }
        return null;
    }
}

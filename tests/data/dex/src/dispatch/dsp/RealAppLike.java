package dsp;

import android.app.Application;
import android.provider.Settings;

/** The real application behind ShellApp: reads the Android ID at start-up. */
public class RealAppLike {
    private final Application application;

    public RealAppLike(Application application) {
        this.application = application;
    }

    public void onCreate() {
        Sink.keep(Settings.Secure.getString(application.getContentResolver(), "android_id"));
    }
}

package org.piscan.sample.asyncinit;

import android.app.Application;
import android.content.Context;
import android.os.Handler;
import android.os.Looper;
import java.util.concurrent.Executors;

/**
 * Reads personal information at start-up, but never directly: through a
 * Handler post (an anonymous Runnable), an Executor (a named Runnable) and a
 * Kotlin-style lambda object.
 */
public class TrackerApp extends Application {
    Runnable pending;

    @Override
    public void onCreate() {
        super.onCreate();
        final Context context = this;
        new Handler(Looper.getMainLooper()).post(new Runnable() {
            @Override
            public void run() {
                Sensors.lastLocation(context);
            }
        });
        Executors.newSingleThreadExecutor().execute(new WifiTask(context));
        Tasks.run(WarmUpLambda.INSTANCE, context);
        pending = Deferred.make(context);
    }
}

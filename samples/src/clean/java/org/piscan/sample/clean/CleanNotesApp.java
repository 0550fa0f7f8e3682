package org.piscan.sample.clean;

import android.app.Application;
import android.util.Log;

/** Application class: only logs that the app started. Nothing sensitive. */
public class CleanNotesApp extends Application {
    static final String TAG = "CleanNotes";

    @Override
    public void onCreate() {
        super.onCreate();
        Log.i(TAG, "Clean Notes started");
    }
}

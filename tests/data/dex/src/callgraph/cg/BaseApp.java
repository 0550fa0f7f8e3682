package cg;

import android.app.Application;
import android.content.Context;

/** An app superclass: the entry attachBaseContext is inherited by App. */
public class BaseApp extends Application {
    @Override
    protected void attachBaseContext(Context base) {
        super.attachBaseContext(base);
        Sink.fromBase();
    }
}

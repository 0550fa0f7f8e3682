package cg;

import android.content.Context;

/** Shaped like an androidx.startup Initializer (create), without androidx. */
public class Init {
    public Object create(Context context) {
        Sink.fromInit();
        return this;
    }
}

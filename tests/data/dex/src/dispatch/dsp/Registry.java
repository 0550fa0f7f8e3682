package dsp;

import android.content.Context;

/** Creates a plugin by reflection with a constant class name. */
public final class Registry {
    private Registry() {
    }

    static void load(Context context) {
        try {
            Class<?> type = Class.forName("dsp.Plugin");
            ((Feature) type.newInstance()).start(context);
        } catch (ReflectiveOperationException e) {
            Sink.keep(e);
        }
    }
}

package dsp;

import android.content.Context;
import java.util.ServiceLoader;

/** Loads the Feature implementations listed in META-INF/services/dsp.Feature. */
public final class Services {
    private Services() {
    }

    static void startAll(Context context) {
        for (Feature feature : ServiceLoader.load(Feature.class)) {
            feature.start(context);
        }
    }
}

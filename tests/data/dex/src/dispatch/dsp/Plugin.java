package dsp;

import android.content.Context;

/** Created by reflection (Registry); runs a harmless start. */
public class Plugin implements Feature {
    static int loaded;

    static {
        loaded = 1;
    }

    @Override
    public void start(Context context) {
        Sink.nothing(loaded);
    }
}

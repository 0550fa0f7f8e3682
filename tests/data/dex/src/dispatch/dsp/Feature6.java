package dsp;

import android.content.Context;

/** One of many implementations never created. */
public class Feature6 implements Feature {
    @Override
    public void start(Context context) {
        Sink.nothing(6);
    }
}

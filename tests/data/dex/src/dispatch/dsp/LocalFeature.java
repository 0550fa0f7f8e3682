package dsp;

import android.content.Context;

public class LocalFeature implements Feature {
    @Override
    public void start(Context context) {
        Sink.nothing(-1);
    }
}

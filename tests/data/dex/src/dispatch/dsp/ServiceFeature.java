package dsp;

import android.content.Context;

/** Listed in META-INF/services/dsp.Feature: ServiceLoader creates it. */
public class ServiceFeature implements Feature {
    @Override
    public void start(Context context) {
        Sink.nothing(2);
    }
}

package dsp;

import android.content.Context;

public interface Feature {
    void start(Context context);
}

package dsp;

import android.content.Context;
import android.util.AttributeSet;
import android.view.View;

/** A custom View named in the layout: the framework creates it. */
public class MapView extends View {
    public MapView(Context context, AttributeSet attrs) {
        super(context, attrs);
    }

    @Override
    protected void onAttachedToWindow() {
        super.onAttachedToWindow();
        Sink.keep(getContext());
    }
}

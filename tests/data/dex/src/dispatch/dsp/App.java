package dsp;

import android.app.Application;

/**
 * The Application of the over-wide-dispatch fixture (tests/test_dispatch.py).  onCreate calls
 * an abstract method (Step.run) and an interface method (Feature.start) whose many
 * implementations are all in the app; only QuietStep and LocalFeature are ever created before
 * consent.  The class hierarchy alone would also reach TrackingStep and TrackerFeature, which
 * read the device ID, and LocatingStep, created only when the user agrees.
 */
public class App extends Application {
    @Override
    public void onCreate() {
        super.onCreate();
        Step step = new QuietStep();
        step.run(this);
        Feature feature = new LocalFeature();
        feature.start(this);
        Registry.load(this);
        Services.startAll(this);
    }
}

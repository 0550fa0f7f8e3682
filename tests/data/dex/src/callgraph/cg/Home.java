package cg;

import android.app.Activity;
import android.os.Bundle;

/** Started by Main with an explicit Intent (not a manifest entry of the fixture). */
public class Home extends Activity {
    @Override
    protected void onCreate(Bundle state) {
        super.onCreate(state);
        Sink.fromHome();
    }
}

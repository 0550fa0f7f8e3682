package cg;

import android.app.Activity;
import android.os.Bundle;

/** Named by a const-class before Main's last start but never started itself. */
public class Settings extends Activity {
    @Override
    protected void onCreate(Bundle state) {
        super.onCreate(state);
        Sink.fromSettings();
    }
}

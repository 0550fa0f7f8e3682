package org.piscan.sample.platformlibs;

import android.app.Activity;
import android.os.Bundle;
import android.widget.TextView;
import androidx.appcompat.app.TwilightManager;
import androidx.appcompat.widget.ShareTargets;

/** The launcher screen: a night theme after sunset, and a share entry when any app can share. */
public class MainActivity extends Activity {
    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        setContentView(R.layout.activity_main);
        boolean night = TwilightManager.getInstance(this).isNight();
        ((TextView) findViewById(R.id.welcome)).setAlpha(night ? 0.7f : 1f);
        if (!ShareTargets.canShareText(this)) {
            findViewById(R.id.welcome).setEnabled(false);
        }
    }
}

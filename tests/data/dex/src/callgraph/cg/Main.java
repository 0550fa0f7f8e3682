package cg;

import android.app.Activity;
import android.content.Intent;
import android.os.Bundle;

public class Main extends Activity {
    @Override
    protected void onCreate(Bundle state) {
        super.onCreate(state);
        Sink.fromMain();
        // a splash screen that moves on by itself: Home runs, Settings (only named) does not
        Class<?> named = Settings.class;
        Sink.last = named;
        startActivity(new Intent(this, Home.class));
    }
}

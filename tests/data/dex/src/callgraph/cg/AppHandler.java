package cg;

import android.os.Handler;
import android.os.Message;

/** The app's own Handler, handed to Poster.kick. */
class AppHandler extends Handler {
    static int handled;

    @Override
    public void handleMessage(Message message) {
        handled++;
    }
}

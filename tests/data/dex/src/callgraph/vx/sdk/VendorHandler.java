package vx.sdk;

import android.os.Handler;
import android.os.Message;

/** Another vendor's Handler: messages the app's code sends elsewhere never reach it. */
class VendorHandler extends Handler {
    static int handled;

    @Override
    public void handleMessage(Message message) {
        handled++;
    }
}

package cg;

import android.os.Handler;

/** Sends a message to a Handler it is given: which Handler runs is a guess. */
final class Poster {
    private Poster() {
    }

    static void kick(Handler handler) {
        handler.sendEmptyMessage(1);
    }
}

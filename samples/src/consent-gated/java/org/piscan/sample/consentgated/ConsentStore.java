package org.piscan.sample.consentgated;

import android.content.Context;

/** The stored answer of the consent dialog. */
final class ConsentStore {
    private ConsentStore() {
    }

    static boolean isAgreed(Context context) {
        return context.getSharedPreferences(GatedApp.PREFS, Context.MODE_PRIVATE)
                .getBoolean(GatedApp.KEY_AGREED, false);
    }

    static void agree(Context context) {
        context.getSharedPreferences(GatedApp.PREFS, Context.MODE_PRIVATE).edit()
                .putBoolean(GatedApp.KEY_AGREED, true).apply();
    }
}

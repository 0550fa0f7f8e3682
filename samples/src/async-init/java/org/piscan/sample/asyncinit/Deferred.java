package org.piscan.sample.asyncinit;

import android.content.Context;
import android.database.Cursor;
import android.provider.ContactsContract;

/** Near miss: a Runnable that is made at start-up but never posted or run. */
final class Deferred implements Runnable {
    private final Context context;
    Cursor contacts;

    private Deferred(Context context) {
        this.context = context;
    }

    static Runnable make(Context context) {
        return new Deferred(context);
    }

    @Override
    public void run() {
        contacts = context.getContentResolver()
                .query(ContactsContract.Contacts.CONTENT_URI, null, null, null, null);
    }
}

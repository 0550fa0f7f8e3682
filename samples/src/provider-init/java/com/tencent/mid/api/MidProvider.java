package com.tencent.mid.api;

import android.content.ContentProvider;
import android.content.ContentValues;
import android.database.Cursor;
import android.net.Uri;

import com.tencent.mid.core.MidStore;

/**
 * STAND-IN written for pi-scan's samples; NOT Tencent's code. A provider
 * with the real SDK's class name that starts the SDK when the process
 * starts: its onCreate reads the device ID.
 */
public class MidProvider extends ContentProvider {
    @Override
    public boolean onCreate() {
        MidStore.load(getContext());
        return true;
    }

    @Override
    public Cursor query(Uri uri, String[] projection, String selection, String[] selectionArgs,
            String sortOrder) {
        return null;
    }

    @Override
    public String getType(Uri uri) {
        return null;
    }

    @Override
    public Uri insert(Uri uri, ContentValues values) {
        return null;
    }

    @Override
    public int delete(Uri uri, String selection, String[] selectionArgs) {
        return 0;
    }

    @Override
    public int update(Uri uri, ContentValues values, String selection, String[] selectionArgs) {
        return 0;
    }
}

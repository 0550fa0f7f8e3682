package org.piscan.sample.providerinit;

import android.content.ContentProvider;
import android.content.ContentValues;
import android.content.Context;
import android.database.Cursor;
import android.database.MatrixCursor;
import android.location.Location;
import android.location.LocationManager;
import android.net.Uri;

/**
 * The app's own provider. onCreate does nothing; query() reads the location,
 * but only when another component asks, never at start-up.
 */
public class ForecastProvider extends ContentProvider {
    @Override
    public boolean onCreate() {
        return true;
    }

    @Override
    public Cursor query(Uri uri, String[] projection, String selection, String[] selectionArgs,
            String sortOrder) {
        LocationManager lm = (LocationManager) getContext()
                .getSystemService(Context.LOCATION_SERVICE);
        Location here = lm.getLastKnownLocation("network");
        MatrixCursor cursor = new MatrixCursor(new String[] {"lat", "lon"});
        if (here != null) {
            cursor.addRow(new Object[] {here.getLatitude(), here.getLongitude()});
        }
        return cursor;
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

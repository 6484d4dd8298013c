// The two-pass floor's middleware: the same runtime as the product's, and it only passes through.
import { NextResponse } from 'next/server';

export function middleware() {
  return NextResponse.next();
}

export const config = {
  matcher: ['/floor'],
  runtime: 'nodejs',
};

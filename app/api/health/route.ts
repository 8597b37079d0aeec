import { NextResponse } from 'next/server';
import { health } from '@/lib/health/service';

export const dynamic = 'force-dynamic';

export async function GET() {
  const result = await health();
  return NextResponse.json(result, { status: result.database.ok ? 200 : 503, headers: { 'cache-control': 'no-store' } });
}

// @ts-check
/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native and heavy server-only packages are loaded by Node at run time, never bundled.
  serverExternalPackages: [
    'better-sqlite3',
    '@prisma/adapter-better-sqlite3',
    '@prisma/adapter-pg',
    'pg',
    '@node-rs/argon2',
    'onnxruntime-node',
    'sharp',
  ],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;

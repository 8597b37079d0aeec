-- CreateTable
CREATE TABLE "generation_runs" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "variantId" TEXT NOT NULL,
    "promptSet" TEXT NOT NULL,
    "prompts" TEXT NOT NULL,
    "imagesPerPrompt" INTEGER NOT NULL,
    "steps" INTEGER NOT NULL,
    "guidance" REAL NOT NULL,
    "seed" INTEGER NOT NULL,
    "jobId" TEXT,
    "summary" TEXT,
    "createdById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "generation_runs_variantId_fkey" FOREIGN KEY ("variantId") REFERENCES "model_variants" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "generated_images" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "runId" TEXT NOT NULL,
    "promptIndex" INTEGER NOT NULL,
    "sample" INTEGER NOT NULL,
    "seed" INTEGER NOT NULL,
    "pngSha256" TEXT NOT NULL,
    "webpSha256" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "provenance" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "generated_images_runId_fkey" FOREIGN KEY ("runId") REFERENCES "generation_runs" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "generation_runs_jobId_key" ON "generation_runs"("jobId");

-- CreateIndex
CREATE INDEX "generation_runs_variantId_idx" ON "generation_runs"("variantId");

-- CreateIndex
CREATE UNIQUE INDEX "generated_images_runId_promptIndex_sample_key" ON "generated_images"("runId", "promptIndex", "sample");

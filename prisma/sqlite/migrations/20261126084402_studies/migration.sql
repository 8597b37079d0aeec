-- CreateTable
CREATE TABLE "studies" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "slug" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT,
    "status" TEXT NOT NULL DEFAULT 'draft',
    "criteria" TEXT NOT NULL,
    "allowTie" BOOLEAN NOT NULL DEFAULT false,
    "trialsPerParticipant" INTEGER NOT NULL,
    "instructedChecks" INTEGER NOT NULL DEFAULT 1,
    "goldChecks" INTEGER NOT NULL DEFAULT 1,
    "consentText" TEXT NOT NULL,
    "instructionsText" TEXT NOT NULL,
    "quota" INTEGER,
    "opensAt" DATETIME,
    "closesAt" DATETIME,
    "policy" TEXT NOT NULL DEFAULT 'balanced',
    "minResponseMs" INTEGER NOT NULL DEFAULT 500,
    "exclusion" TEXT NOT NULL,
    "prolificCode" TEXT,
    "demo" BOOLEAN NOT NULL DEFAULT false,
    "createdById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "openedAt" DATETIME,
    "closedAt" DATETIME,
    CONSTRAINT "studies_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "users" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "study_arms" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "studyId" TEXT NOT NULL,
    "variantId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    CONSTRAINT "study_arms_studyId_fkey" FOREIGN KEY ("studyId") REFERENCES "studies" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "study_arms_variantId_fkey" FOREIGN KEY ("variantId") REFERENCES "model_variants" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "study_arms_runId_fkey" FOREIGN KEY ("runId") REFERENCES "generation_runs" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "study_items" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "studyId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "prompt" TEXT NOT NULL,
    "seed" INTEGER NOT NULL,
    "images" TEXT NOT NULL,
    CONSTRAINT "study_items_studyId_fkey" FOREIGN KEY ("studyId") REFERENCES "studies" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "study_participants" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "studyId" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "pseudonym" TEXT NOT NULL,
    "prolificPid" TEXT,
    "prolificStudyId" TEXT,
    "prolificSessionId" TEXT,
    "preview" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL DEFAULT 'active',
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" DATETIME,
    "flags" TEXT,
    "excluded" BOOLEAN NOT NULL DEFAULT false,
    CONSTRAINT "study_participants_studyId_fkey" FOREIGN KEY ("studyId") REFERENCES "studies" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "study_trials" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "studyId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "token" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "itemId" TEXT,
    "leftArmId" TEXT,
    "rightArmId" TEXT,
    "leftSha256" TEXT NOT NULL,
    "rightSha256" TEXT NOT NULL,
    "leftImageToken" TEXT NOT NULL,
    "rightImageToken" TEXT NOT NULL,
    "expected" TEXT,
    "answeredAt" DATETIME,
    "idempotencyKey" TEXT,
    CONSTRAINT "study_trials_studyId_fkey" FOREIGN KEY ("studyId") REFERENCES "studies" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "study_trials_participantId_fkey" FOREIGN KEY ("participantId") REFERENCES "study_participants" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "study_votes" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "studyId" TEXT NOT NULL,
    "trialId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "criterion" TEXT NOT NULL,
    "choice" TEXT NOT NULL,
    "responseMs" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "study_votes_studyId_fkey" FOREIGN KEY ("studyId") REFERENCES "studies" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "study_votes_trialId_fkey" FOREIGN KEY ("trialId") REFERENCES "study_trials" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "study_votes_participantId_fkey" FOREIGN KEY ("participantId") REFERENCES "study_participants" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "studies_slug_key" ON "studies"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "study_arms_studyId_variantId_key" ON "study_arms"("studyId", "variantId");

-- CreateIndex
CREATE UNIQUE INDEX "study_items_studyId_position_key" ON "study_items"("studyId", "position");

-- CreateIndex
CREATE UNIQUE INDEX "study_participants_tokenHash_key" ON "study_participants"("tokenHash");

-- CreateIndex
CREATE INDEX "study_participants_studyId_status_idx" ON "study_participants"("studyId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "study_participants_studyId_pseudonym_key" ON "study_participants"("studyId", "pseudonym");

-- CreateIndex
CREATE UNIQUE INDEX "study_participants_studyId_prolificPid_key" ON "study_participants"("studyId", "prolificPid");

-- CreateIndex
CREATE UNIQUE INDEX "study_trials_token_key" ON "study_trials"("token");

-- CreateIndex
CREATE UNIQUE INDEX "study_trials_leftImageToken_key" ON "study_trials"("leftImageToken");

-- CreateIndex
CREATE UNIQUE INDEX "study_trials_rightImageToken_key" ON "study_trials"("rightImageToken");

-- CreateIndex
CREATE INDEX "study_trials_studyId_kind_idx" ON "study_trials"("studyId", "kind");

-- CreateIndex
CREATE UNIQUE INDEX "study_trials_participantId_position_key" ON "study_trials"("participantId", "position");

-- CreateIndex
CREATE INDEX "study_votes_studyId_criterion_idx" ON "study_votes"("studyId", "criterion");

-- CreateIndex
CREATE UNIQUE INDEX "study_votes_trialId_criterion_key" ON "study_votes"("trialId", "criterion");
